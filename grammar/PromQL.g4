// PromQL grammar (Prometheus 3 syntax, float samples) for ANTLR 4.7.2.
//
// The grammar is deliberately permissive: it only fixes the shape of the tree (precedence,
// associativity, where modifiers attach). Everything Prometheus checks after parsing (types,
// "ranges only allowed for vector selectors", duration expressions, label name validity, ...)
// is done by the AST builder in promql/parser/parser.cc, which owns all error wording.
//
// Keywords are case-insensitive like Prometheus' lexer (4.7.2 has no caseInsensitive option,
// hence the letter fragments). Most keywords may also be used as metric and label names.
grammar PromQL;

root : expr EOF ;

// Alternatives are listed from the tightest binding to the loosest (ANTLR precedence climbing),
// as Prometheus' yacc declarations (generated_parser.y, lowest first):
//   %left LOR / %left LAND LUNLESS / %left EQLC GTE GTR LSS LTE NEQ TRIM_UPPER TRIM_LOWER /
//   %left ADD SUB / %left MUL DIV MOD ATAN2 / %right POW
// Unary +/- binds looser than ^ and tighter than * (Prometheus gives it MUL's precedence with
// %prec MUL, so `-a * b` is `(-a) * b` and `-a ^ b` is `-(a ^ b)`).
// Every child the AST builder reads is labelled: labelled fields are plain pointers, while the
// generated accessors scan the children with dynamic_cast on every call.
expr
  : inner=expr lb=LEFT_BRACKET body=rangeBody rb=RIGHT_BRACKET        # rangeExpr
  | inner=expr rangeMod=(ANCHORED | SMOOTHED)                          # rangeModifierExpr
  | inner=expr OFFSET value=offsetValue                                # offsetExpr
  | inner=expr AT value=atValue                                        # atExpr
  | <assoc=right> lhs=expr op=POW mod=binModifier rhs=expr             # binaryExpr
  | op=(ADD | SUB) inner=expr                                          # unaryExpr
  | lhs=expr op=(MUL | DIV | MOD | ATAN2) mod=binModifier rhs=expr     # binaryExpr
  | lhs=expr op=(ADD | SUB) mod=binModifier rhs=expr                   # binaryExpr
  | lhs=expr op=(EQLC | NEQ | GTR | LSS | GTE | LTE | TRIM_UPPER | TRIM_LOWER) mod=binModifier rhs=expr  # binaryExpr
  | lhs=expr op=(AND | UNLESS) mod=binModifier rhs=expr                # binaryExpr
  | lhs=expr op=OR mod=binModifier rhs=expr                            # binaryExpr
  | agg=aggregation                                                    # aggregationExpr
  | call=functionCall                                                  # callExpr
  | sel=vectorSelector                                                 # selectorExpr
  | num=numberLiteral                                                  # numberExpr
  | str=STRING                                                         # stringExpr
  | LEFT_PAREN inner=expr RIGHT_PAREN                                  # parenExpr
  ;

// [range], [range:step], [range:] — each part is an expression checked as a duration later.
rangeBody : range=expr (colon=COLON step=expr?)? ;

offsetValue : sign=(ADD | SUB)? atom=offsetAtom ;
offsetAtom
  : num=numberLiteral
  | LEFT_PAREN inner=expr RIGHT_PAREN
  | call=functionCall
  ;

atValue
  : sign=(ADD | SUB)? num=numberLiteral
  | preproc=(START | END) LEFT_PAREN RIGHT_PAREN
  ;

binModifier
  : boolKw=BOOL? (matchKind=(ON | IGNORING) matching=groupingLabels
           (side=(GROUP_LEFT | GROUP_RIGHT) include=groupingLabels?)?)? fills=fillModifiers?
  ;

// As Prometheus: fill(v), fill_left(v), fill_right(v), or both sides once each in either order.
fillModifiers
  : kind=FILL both=fillValue
  | kind=FILL_LEFT left=fillValue (FILL_RIGHT right=fillValue)?
  | kind=FILL_RIGHT right=fillValue (FILL_LEFT left=fillValue)?
  ;
fillValue : LEFT_PAREN sign=(ADD | SUB)? num=numberLiteral RIGHT_PAREN ;

aggregation
  : op=aggregateOp group=grouping args=functionArgs
  | op=aggregateOp args=functionArgs group=grouping?
  ;

grouping : kind=(BY | WITHOUT) labels=groupingLabels ;

groupingLabels : LEFT_PAREN (items+=groupingLabel (COMMA items+=groupingLabel)* trailing=COMMA?)? RIGHT_PAREN ;
groupingLabel : name=labelName | quoted=STRING ;

functionCall : name=functionName args=functionArgs ;
functionName : IDENTIFIER | START | END ;
functionArgs : LEFT_PAREN (items+=expr (COMMA items+=expr)* trailing=COMMA?)? RIGHT_PAREN ;

vectorSelector
  : metric=metricName braces=labelMatchers?
  | braces=labelMatchers
  ;

labelMatchers : LEFT_BRACE (items+=labelMatcher (COMMA items+=labelMatcher)* COMMA?)? RIGHT_BRACE ;
labelMatcher
  : name=labelName op=matchOp value=STRING
  | quotedName=STRING op=matchOp value=STRING
  | quotedName=STRING
  ;
matchOp : EQL | NEQ | EQL_REGEX | NEQ_REGEX ;

numberLiteral : NUMBER | DURATION | INF_LIT | NAN_LIT ;

aggregateOp
  : SUM | AVG | COUNT | MIN | MAX | GROUP | STDDEV | STDVAR | TOPK | BOTTOMK | QUANTILE
  | COUNT_VALUES | LIMITK | LIMIT_RATIO
  ;

// Keywords that are still fine as metric names when they stand where a selector is expected.
metricName : IDENTIFIER | METRIC_IDENTIFIER | keywordName | COLON+ (IDENTIFIER | METRIC_IDENTIFIER | keywordName)? ;
labelName : IDENTIFIER | keywordName | BOOL | ON | IGNORING | GROUP_LEFT | GROUP_RIGHT | ATAN2 ;
keywordName
  : aggregateOp | AND | OR | UNLESS | BY | WITHOUT | OFFSET | START | END
  | ANCHORED | SMOOTHED | FILL | FILL_LEFT | FILL_RIGHT
  ;

// ---------------------------------------------------------------------------------------------
// Lexer.

WS : [ \t\r\n]+ -> skip ;
COMMENT : '#' ~[\r\n]* -> skip ;

LEFT_PAREN : '(' ;
RIGHT_PAREN : ')' ;
LEFT_BRACE : '{' ;
RIGHT_BRACE : '}' ;
LEFT_BRACKET : '[' ;
RIGHT_BRACKET : ']' ;
COMMA : ',' ;
AT : '@' ;

TRIM_UPPER : '</' ;
TRIM_LOWER : '>/' ;
EQLC : '==' ;
NEQ : '!=' ;
GTE : '>=' ;
LTE : '<=' ;
GTR : '>' ;
LSS : '<' ;
EQL_REGEX : '=~' ;
NEQ_REGEX : '!~' ;
EQL : '=' ;
ADD : '+' ;
SUB : '-' ;
MUL : '*' ;
DIV : '/' ;
MOD : '%' ;
POW : '^' ;

AND : A N D ;
OR : O R ;
UNLESS : U N L E S S ;
ATAN2 : A T A N '2' ;

SUM : S U M ;
AVG : A V G ;
COUNT : C O U N T ;
MIN : M I N ;
MAX : M A X ;
GROUP : G R O U P ;
STDDEV : S T D D E V ;
STDVAR : S T D V A R ;
TOPK : T O P K ;
BOTTOMK : B O T T O M K ;
QUANTILE : Q U A N T I L E ;
COUNT_VALUES : C O U N T '_' V A L U E S ;
LIMITK : L I M I T K ;
LIMIT_RATIO : L I M I T '_' R A T I O ;

BOOL : B O O L ;
BY : B Y ;
WITHOUT : W I T H O U T ;
ON : O N ;
IGNORING : I G N O R I N G ;
GROUP_LEFT : G R O U P '_' L E F T ;
GROUP_RIGHT : G R O U P '_' R I G H T ;
OFFSET : O F F S E T ;
START : S T A R T ;
END : E N D ;
ANCHORED : A N C H O R E D ;
SMOOTHED : S M O O T H E D ;
FILL : F I L L ;
FILL_LEFT : F I L L '_' L E F T ;
FILL_RIGHT : F I L L '_' R I G H T ;

INF_LIT : I N F ;
NAN_LIT : N A N ;

// A duration: one or more <digits><unit> groups ("1h30m"); validated by ParseDuration.
DURATION : ([0-9]+ ('ms' | [smhdwy]))+ ;

NUMBER
  : '0' [xX] [0-9a-fA-F]+
  | [0-9]+ ('.' [0-9]*)? EXPONENT?
  | '.' [0-9]+ EXPONENT?
  ;
fragment EXPONENT : [eE] [+-]? [0-9]+ ;

STRING
  : '"' (~["\\\n] | '\\' .)* '"'
  | '\'' (~['\\\n] | '\\' .)* '\''
  | '`' ~'`'* '`'
  ;
UNTERMINATED_STRING
  : '"' (~["\\\n] | '\\' .)* '\\'?
  | '\'' (~['\\\n] | '\\' .)* '\\'?
  | '`' ~'`'*
  ;

IDENTIFIER : [a-zA-Z_] [a-zA-Z0-9_]* ;
// A name that starts with ':' is lexed as COLON + name and joined by the parser (see
// metricName): a lexer predicate on brackets would keep the lexer DFA from caching.
METRIC_IDENTIFIER : [a-zA-Z_] [a-zA-Z0-9_]* ':' [a-zA-Z0-9_:]* ;
COLON : ':' ;

// Anything else: reported by the AST builder as Prometheus' lexer would.
ERROR_CHAR : . ;

fragment A : [aA] ; fragment B : [bB] ; fragment C : [cC] ; fragment D : [dD] ;
fragment E : [eE] ; fragment F : [fF] ; fragment G : [gG] ; fragment H : [hH] ;
fragment I : [iI] ; fragment J : [jJ] ; fragment K : [kK] ; fragment L : [lL] ;
fragment M : [mM] ; fragment N : [nN] ; fragment O : [oO] ; fragment P : [pP] ;
fragment Q : [qQ] ; fragment R : [rR] ; fragment S : [sS] ; fragment T : [tT] ;
fragment U : [uU] ; fragment V : [vV] ; fragment W : [wW] ; fragment X : [xX] ;
fragment Y : [yY] ; fragment Z : [zZ] ;
